/**
 * The x86-64 / arm64 (LP64) layout of a plain C struct read from a header: enough C to check the
 * koffi struct definitions against llama.h (scalars, enums, pointers, function-pointer typedefs).
 */
export type CField = { name: string; size: number; offset: number };
export type CLayout = { fields: CField[]; size: number };

const SCALAR_SIZE: Record<string, number> = {
  bool: 1,
  char: 1,
  int8_t: 1,
  uint8_t: 1,
  int16_t: 2,
  uint16_t: 2,
  int: 4,
  int32_t: 4,
  uint32_t: 4,
  float: 4,
  llama_pos: 4,
  llama_token: 4,
  llama_seq_id: 4,
  int64_t: 8,
  uint64_t: 8,
  size_t: 8,
  double: 8,
};

/** Lays out `struct name { ... }` from header text; typedef names in `pointerTypedefs` are pointer-sized. */
export function cStructLayout(header: string, name: string, pointerTypedefs: ReadonlySet<string>): CLayout {
  const text = header.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(text);
  if (m === null) throw new Error(`struct ${name} not found in the header`);
  const fields: CField[] = [];
  let offset = 0;
  let align = 1;
  for (const decl of m[1]
    .split(";")
    .map((d) => d.trim())
    .filter(Boolean)) {
    const dm = /^(.*?)([A-Za-z_]\w*)\s*(\[\s*\d+\s*\])?$/.exec(decl.replace(/\s+/g, " "));
    if (dm === null) throw new Error(`cannot read the declaration "${decl}" in struct ${name}`);
    const type = dm[1].replace(/\b(const|struct)\b/g, "").trim();
    if (dm[3]) throw new Error(`arrays are not handled (struct ${name}, field ${dm[2]})`);
    let size: number;
    if (type.includes("*") || pointerTypedefs.has(type)) size = 8;
    else if (type.startsWith("enum ")) size = 4;
    else if (type in SCALAR_SIZE) size = SCALAR_SIZE[type];
    else throw new Error(`unknown C type "${type}" (struct ${name}, field ${dm[2]})`);
    offset = Math.ceil(offset / size) * size; // scalars are self-aligned in LP64
    fields.push({ name: dm[2], size, offset });
    offset += size;
    align = Math.max(align, size);
  }
  return { fields, size: Math.ceil(offset / align) * align };
}
