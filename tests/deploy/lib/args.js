// Command-line arguments of the deployment files, rewritten for a run on loopback.
"use strict";

// Replaces --<name>=... / --<name> <v> in args (or appends it). redis-server wants the value as
// a separate word (`separate`); FlagSet takes either form.
function withFlag(args, name, value, separate = false) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const a = String(args[i]);
    if (a === `--${name}`) { i++; continue; }
    if (a.startsWith(`--${name}=`)) continue;
    out.push(a);
  }
  if (separate) out.push(`--${name}`, String(value));
  else out.push(`--${name}=${value}`);
  return out;
}

module.exports = { withFlag };
