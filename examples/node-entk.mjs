// The empirical NTK of a PyTorch model, its top spectrum and a kernel surrogate,
// with plain Node (>= 20.19) and the built package:
//
//   node examples/node-entk.mjs
//
// The weights are a PyTorch nn.Sequential of Linear layers saved as .safetensors
// (examples/data/mlp.safetensors was written by data/make_data.py with numpy; from
// a real model it is these 5 lines of Python):
//
//   import torch
//   from safetensors.torch import save_file
//   model = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.Tanh(), torch.nn.Linear(32, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
//   # ... train it ...
//   save_file(model.state_dict(), "mlp.safetensors")
//
// and the samples are NumPy arrays: np.save("X.npy", X) with X of shape (N, 4).
// In a project that installed ntkscope, import from "ntkscope" instead.
import { readFile } from "node:fs/promises";
import { init, npyToMatrix, npyToVector, readNpy, readSafetensors, VERSION } from "../dist/ntkscope.js";

const file = async (name) => new Uint8Array(await readFile(new URL(`./data/${name}`, import.meta.url)));
const matrix = async (name) => npyToMatrix(readNpy(await file(name), name), name);
const vector = async (name) => npyToVector(readNpy(await file(name), name), name);

const weights = await file("mlp.safetensors");
const [X, y, Xtest, ytest] = await Promise.all([matrix("X.npy"), vector("y.npy"), matrix("Xtest.npy"), vector("ytest.npy")]);

// The layer widths, read off the "{i}.weight" tensors (out x in), for the summary line.
const tensors = readSafetensors(weights, "mlp.safetensors");
const mats = [...tensors.keys()].filter((k) => k.endsWith(".weight")).sort((a, b) => parseInt(a) - parseInt(b)).map((k) => tensors.get(k).shape);
const arch = [mats[0][1], ...mats.map((s) => s[0])].join("-");

const nk = await init({ backend: "wasm" });
try {
  const model = { weights, activation: "tanh" }; // weights from a file are the standard (PyTorch) parameterization

  // eNTK on the training set: K_ij = J(x_i) . J(x_j), J the gradient of the output in all parameters.
  const K = await nk.kernel({ kind: "entk", x: X, ...model });
  let trace = 0;
  for (let i = 0; i < K.rows; i++) trace += K.data[i * K.cols + i];

  // Its top 5 eigenpairs (Lanczos) and how much of the labels they carry.
  const s = await nk.spectrum(K, { y, top: 5 });

  // The kernel surrogate: kernel ridge regression with the eNTK, evaluated on held-out samples.
  const ridge = 1e-6;
  const fit = await nk.fit(K, y, { ridge });
  const Kxt = await nk.kernel({ kind: "entk", x: Xtest, x2: X, ...model }); // Ntest x N
  const pred = await fit.predict(Kxt);
  const rmse = (p) => Math.sqrt(ytest.reduce((a, t, i) => a + (p(i) - t) ** 2, 0) / ytest.length);
  const mean = y.reduce((a, v) => a + v, 0) / y.length;

  const g = (v) => v.toPrecision(6);
  console.log(`ntkscope ${VERSION} (${nk.backend}): eNTK of a ${arch} tanh MLP from data/mlp.safetensors`);
  console.log(`K: ${K.rows} x ${K.cols}, trace ${g(trace)}`);
  console.log(`top 5 eigenvalues: ${s.eigenvalues.map(g).join(" ")}`);
  console.log(`label share of the top 5 eigenvectors: ${g(s.cumulative[4])}`);
  console.log(`kernel surrogate (ridge ${ridge.toExponential(0)}): test RMSE ${g(rmse((i) => pred[i]))}, predicting the mean ${g(rmse(() => mean))}`);
} finally {
  nk.dispose();
}
