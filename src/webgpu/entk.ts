export async function gpuEntk(): Promise<void> {}
