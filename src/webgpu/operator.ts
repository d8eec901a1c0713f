export function gpuGramOperator(): void {}
