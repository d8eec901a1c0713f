// placeholder: filled in by its owner
export const kernels_module_version: i32 = 0;
