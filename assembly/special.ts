// placeholder: filled in by its owner
export const special_module_version: i32 = 0;
