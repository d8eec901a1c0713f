export async function gpuKernel(): Promise<void> {}
