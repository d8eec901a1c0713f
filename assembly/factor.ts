// placeholder: filled in by its owner
export const factor_module_version: i32 = 0;
