// Loads the MLP cases written by test/fixtures/gen_empirical.py.
import { loadJson } from "../helpers/npy-fixture.js";
import { matrix } from "../../src/matrix.js";
import { mlpFromTensors } from "../../src/model/weights.js";
import type { Mlp, Parameterization } from "../../src/model/spec.js";
import type { Matrix } from "../../src/types.js";

/** The model description every generated case (MLP, training) starts with. */
export interface ModelCase {
  name: string;
  arch: number[];
  activation: string;
  parameterization: Parameterization;
  wStd: number;
  bStd: number;
}

export interface MlpCase extends ModelCase {
  tensors: Record<string, { shape: number[]; data: number[] }>;
  x: number[][];
  x2: number[][];
  outputs: number[][];
  jacobian: number[][];
  kernels: Record<string, number[][]>;
  cross: Record<string, number[][]>;
}

export const CASES: string[] = loadJson<string[]>("empirical/cases.json");

export function loadCase(name: string): MlpCase {
  return { ...loadJson<Omit<MlpCase, "name">>(`empirical/${name}.json`), name };
}

export function toMatrix(rows: number[][]): Matrix {
  return matrix(rows.length, rows[0].length, rows.flat());
}

export function tensorsOf(c: MlpCase): Map<string, { shape: number[]; data: Float64Array }> {
  return new Map(Object.entries(c.tensors).map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]));
}

export function modelOf(c: MlpCase): Mlp {
  return mlpFromTensors(tensorsOf(c), { activation: c.activation, parameterization: c.parameterization, wStd: c.wStd, bStd: c.bStd });
}

export { relErr } from "../helpers/compare.js";
