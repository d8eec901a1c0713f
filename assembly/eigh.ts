// placeholder: filled in by its owner
export const eigh_module_version: i32 = 0;
