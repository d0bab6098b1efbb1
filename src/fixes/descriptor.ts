import type { DoctorConfig } from '../config.ts';
import type { Fix } from '../engine/types.ts';
import { selfCommand } from '../self.ts';

/**
 * The one fix every trust check points to — one cause, one next step: `fix` installs the
 * verified bundle, points the variables at it, and proves the result in fresh processes. In CI
 * the next step is for the job: startup files mean nothing there, the job's environment does.
 */
export function trustFix(config: DoctorConfig, env: Readonly<Record<string, string | undefined>>): Fix {
  const fix = selfCommand(config.invocation, ['fix', '--yes']);
  if (env.GITHUB_ACTIONS === 'true') {
    return {
      summary: 'install the verified internal CA and hand its variables to the next steps of the job',
      commands: [
        fix,
        `${selfCommand(config.invocation, ['env', '--shell', 'github'], false)} >> "$GITHUB_ENV"`,
      ],
      automated: true,
    };
  }
  if (env.CI) {
    return {
      summary: 'install the verified internal CA and load its variables in this job script',
      commands: [fix, `eval "$(${selfCommand(config.invocation, ['env'], false)})"`],
      automated: true,
    };
  }
  return {
    summary: 'install the verified internal CA for Node, Python, curl, git; prove it',
    commands: [selfCommand(config.invocation, ['fix'])],
    automated: true,
  };
}
