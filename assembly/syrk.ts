// placeholder: filled in by its owner
export const syrk_module_version: i32 = 0;
