// dependency-cruiser reads TypeScript with the compiler's JS API, which TypeScript 7 (our tsc) no longer ships: hand it TypeScript 5's.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    const fromCruiser = context.parentURL?.includes('/node_modules/dependency-cruiser/') ?? false;
    const typescript = specifier === 'typescript' || specifier.startsWith('typescript/');
    return next(
      fromCruiser && typescript ? `typescript-5${specifier.slice('typescript'.length)}` : specifier,
      context,
    );
  },
});
