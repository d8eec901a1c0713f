// placeholder: filled in by its owner
export const mlp_module_version: i32 = 0;
