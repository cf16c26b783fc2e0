import { lstatSync, readdirSync, realpathSync, type Stats, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { formatFromName } from "./detect-format.js";

/**
 * What `library add` will read: every input file, and every file under an input directory whose
 * name we recognise, in order. A directory walk reads only regular files and does not follow a
 * symbolic link that leads out of the directory it was given (a link to /etc/passwd would be read as
 * a listing; one to /dev/urandom would never end) unless `followLinks`; a link inside the tree is
 * followed, each real directory once. What is not read is listed with the reason, never dropped silently.
 */
export type ExpandedInput = { file: string; problem: null } | { file: string; problem: InputProblem };

/** Why an input is not read: an error (the user named it and it cannot be read) or a warning (a walk passed it by). */
export type InputProblem = {
  severity: "error" | "warning";
  message: string;
  nothingToRead?: boolean; // a directory without one file to read: counted as an input without papers
};

export type ExpandOptions = {
  anyName: boolean; // --format given: every file in a directory is read, whatever its name
  followLinks: boolean; // follow links that leave the tree too
};

export function expandInputs(inputs: readonly string[], opts: ExpandOptions): ExpandedInput[] {
  const out: ExpandedInput[] = [];
  for (const input of inputs) {
    if (input === "-") {
      out.push({ file: input, problem: null });
      continue;
    }
    let st: Stats;
    try {
      st = statSync(input); // a path the user named is followed, link or not
    } catch {
      out.push({ file: input, problem: { severity: "error", message: "no such file or directory" } });
      continue;
    }
    if (st.isDirectory()) walkTree(input, opts, out);
    else out.push({ file: input, problem: st.isFile() ? null : notRegular(st, "error") });
  }
  return out;
}

function walkTree(root: string, opts: ExpandOptions, out: ExpandedInput[]): void {
  const realRoot = realpathSync(root);
  const seen = new Set<string>([realRoot]); // real directories and files already listed: each is read once
  const inTree = (real: string) =>
    real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith(".")) continue;
      const p = join(dir, name);
      let st = lstatSync(p);
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync(p);
          st = statSync(target);
        } catch {
          out.push({ file: p, problem: { severity: "warning", message: "a broken symbolic link; not read" } });
          continue;
        }
        if (!opts.followLinks && !inTree(target)) {
          const message = `a symbolic link to ${target}, outside ${root}; not followed (name the target itself to read it)`;
          out.push({ file: p, problem: { severity: "warning", message } });
          continue;
        }
      }
      if (!st.isDirectory() && !opts.anyName && formatFromName(name) === null) continue;
      const real = realpathSync(p);
      if (seen.has(real)) continue; // a loop, or a second name for something already listed
      seen.add(real);
      if (st.isDirectory()) walk(p);
      else out.push({ file: p, problem: st.isFile() ? null : notRegular(st, "warning") });
    }
  };
  const before = out.length;
  walk(root);
  if (out.length === before) {
    const message = `no files with a known extension under ${relative(".", root) || root} (use --format to read others)`;
    out.push({ file: root, problem: { severity: "warning", message, nothingToRead: true } });
  }
}

function notRegular(st: Stats, severity: InputProblem["severity"]): InputProblem {
  const kind = st.isCharacterDevice()
    ? "a character device"
    : st.isBlockDevice()
      ? "a block device"
      : st.isFIFO()
        ? "a named pipe"
        : st.isSocket()
          ? "a socket"
          : "not a regular file";
  return { severity, message: `${kind}; only regular files are read (pipe it to stdin with - to read it anyway)` };
}
