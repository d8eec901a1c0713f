// Loads the training cases written by test/fixtures/gen_train.py.
import { loadJson } from "../helpers/npy-fixture.js";
import { matrix } from "../../src/matrix.js";
import { mlpFromTensors } from "../../src/model/weights.js";
import type { Mlp } from "../../src/model/spec.js";
import type { ModelCase } from "../model/fixtures.js";
import type { Matrix } from "../../src/types.js";

export interface TrainCase extends ModelCase {
  x: number[][];
  /** (N,) targets or class indices, or (N, C) targets */
  y: number[] | number[][];
  loss: "mse" | "xent";
  reduction: "mean" | "sum";
  optimizer: "gd" | "sgd" | "adam";
  lr: number;
  momentum: number;
  weightDecay: number;
  epochs: number;
  batchSize: number;
  trainLayers: number[];
  shuffleSeed: number;
  init: Record<string, number[] | number[][]>;
  loss0: number;
  grads: Record<string, number[] | number[][]>;
  losses: number[];
  final: Record<string, number[] | number[][]>;
  /** embedded cases: x is the raw input, phi = rff features of x computed by numpy, the network's input */
  embed?: { kind: "rff"; base: "rbf"; features: number; gamma: number; seed: number };
  phi?: number[][];
}

export const CASES: string[] = loadJson<string[]>("train/cases.json");

export function loadCase(name: string): TrainCase {
  return { ...loadJson<Omit<TrainCase, "name">>(`train/${name}.json`), name };
}

export function toMatrix(rows: number[][]): Matrix {
  return matrix(rows.length, rows[0].length, rows.flat());
}

export function labelsOf(c: TrainCase): Float64Array | Matrix {
  return Array.isArray(c.y[0]) ? toMatrix(c.y as number[][]) : Float64Array.from(c.y as number[]);
}

function shapeOf(v: number[] | number[][]): number[] {
  return Array.isArray(v[0]) ? [v.length, (v[0] as number[]).length] : [v.length];
}

export function modelOf(c: TrainCase, tensors = c.init): Mlp {
  const t = new Map(Object.entries(tensors).map(([k, v]) => [k, { shape: shapeOf(v), data: Float64Array.from(v.flat()) }]));
  return mlpFromTensors(t, { activation: c.activation, parameterization: c.parameterization, wStd: c.wStd, bStd: c.bStd });
}

export { relErr } from "../helpers/compare.js";
