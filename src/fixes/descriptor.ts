import type { Fix } from '../engine/types.ts';

/**
 * The one fix every trust check points to: `eliza-doctor fix` installs the verified bundle and
 * sets the variables in the startup files, and proves the result in fresh processes.
 */
export function trustFix(what: string): Fix {
  return {
    summary: `${what}: \`eliza-doctor fix\` installs the verified CA and points the variables at it in your shell startup files`,
    commands: ['eliza-doctor fix --dry-run   # shows every change as a diff', 'eliza-doctor fix'],
    automated: true,
  };
}
