// placeholder: filled in by its owner
export const gemm_module_version: i32 = 0;
