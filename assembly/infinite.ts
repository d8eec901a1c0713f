// placeholder: filled in by its owner
export const infinite_module_version: i32 = 0;
