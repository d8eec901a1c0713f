// Dense symmetric eigensolver core (see assembly/eigh/*.ts for each piece and
// the LAPACK routine it follows). Only the entry points below are exported
// from the module; helpers stay internal.
export { steqr_f64 } from "./eigh/steqr";
export { sterf_f64 } from "./eigh/sterf";
export { sytd2_f64, ormtr_f64, eigh_finish_f64, eigh_panel_f64, larft_f64, trmm_upper_f64, latrd_f64,
  latrd_pre_f64, symv_lower_part_f64, latrd_post_f64 } from "./eigh/sytrd";
export { ormtr_prep_f64, ormtr_cols_f64 } from "./eigh/ormtr";
export { jacobi_svd_f64, jacobi_svd_ws_f64 } from "./eigh/jacobi";
export { laed_prep_f64, laed_secular_f64, laed_vectors_f64, laed_finish_f64 } from "./eigh/laed";
