/* The hook catalogue (catalogue.json is the single source of truth, also read by the harness). */
import data from "./catalogue.json";
import type { CatalogueEntry, Target } from "./modules/types.js";

export const CATALOGUE: CatalogueEntry[] = data as CatalogueEntry[];

export function entry(name: string): CatalogueEntry {
  const e = CATALOGUE.find((c) => c.name === name);
  if (e === undefined) throw new Error(`catalogue.json has no module "${name}"`);
  return e;
}

export function javaTargets(name: string): Target[] {
  return entry(name).targets.filter((t) => t.kind === "java");
}
