// placeholder: filled in by its owner
export const lanczos_module_version: i32 = 0;
