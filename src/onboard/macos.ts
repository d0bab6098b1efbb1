import path from 'node:path';
import type { Host } from '../host.ts';
import { quote } from '../quote.ts';

/**
 * macOS apps started from the Dock, Finder or Spotlight get launchd's environment, not the
 * shell's: ~/.zshrc never runs for them. `launchctl setenv` sets a variable for what launchd
 * starts from then on, and a LaunchAgent makes that happen at every login.
 */
export interface GuiAppsFacts {
  /** `launchctl getenv NODE_EXTRA_CA_CERTS`; null when unset. */
  value: string | null;
  /** null when launchctl could not be asked. */
  error: string | null;
}

export async function readGuiAppsEnv(host: Host): Promise<GuiAppsFacts | null> {
  if (host.platform !== 'darwin') return null;
  const result = await host.exec('launchctl', ['getenv', 'NODE_EXTRA_CA_CERTS'], {
    env: host.env,
    timeoutMs: 3000,
  });
  if (result.code === null) return { value: null, error: result.error ?? 'timed out' };
  // launchctl getenv prints the value and exits 0 whether or not it is set; nothing means unset.
  const value = result.stdout.replace(/\r?\n$/, '');
  return { value: value.trim() === '' ? null : value, error: null };
}

export function guiAppsNotes(facts: GuiAppsFacts, terminalValue: string | null): string[] {
  if (facts.error) return [`apps started from the Dock: could not ask launchctl (${facts.error})`];
  const state = facts.value ? `NODE_EXTRA_CA_CERTS=${facts.value}` : 'no NODE_EXTRA_CA_CERTS';
  const lines = [
    `apps started from the Dock or Finder do not read ~/.zshrc; launchd gives them ${state} (launchctl getenv)`,
  ];
  if (terminalValue && facts.value !== terminalValue) {
    lines.push(
      `for them to trust the gateway like a new terminal: eliza-doctor fix adds a LaunchAgent (~/Library/LaunchAgents/${LAUNCH_AGENT_LABEL}.plist) that sets it at login; now: launchctl setenv NODE_EXTRA_CA_CERTS ${quote(terminalValue)}, then restart the app`,
    );
  }
  return lines;
}

export const LAUNCH_AGENT_LABEL = 'ru.yandex.eliza-doctor.node-extra-ca-certs';

export function launchAgentPath(home: string): string {
  return path.join(home, 'Library', 'LaunchAgents', `${LAUNCH_AGENT_LABEL}.plist`);
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A LaunchAgent that runs `launchctl setenv NODE_EXTRA_CA_CERTS <file>` once at each login. */
export function launchAgentPlist(file: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by eliza-doctor fix: apps started from the Dock get NODE_EXTRA_CA_CERTS too. eliza-doctor fix --undo removes it. -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCH_AGENT_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
    <string>/bin/launchctl</string>
    <string>setenv</string>
    <string>NODE_EXTRA_CA_CERTS</string>
    <string>${xml(file)}</string>
  </array>
  <key>RunAtLoad</key>
  <true/>
</dict>
</plist>
`;
}

/**
 * `security dump-trust-settings` output, per certificate name: whether a setting makes it a
 * trusted root for SSL. A certificate with no settings listed ("Number of trust settings : 0")
 * is trusted for every policy; a setting without a policy applies to every policy; a setting
 * without a result type means "trust as root".
 */
export function sslTrustByName(dump: string): Map<string, boolean> {
  const trust = new Map<string, boolean>();
  const blocks = dump.split(/^Cert \d+: /m).slice(1);
  for (const block of blocks) {
    const [name = '', ...rest] = block.split('\n');
    const body = rest.join('\n');
    const count = Number(body.match(/Number of trust settings\s*:\s*(\d+)/)?.[1] ?? 'NaN');
    let verdict: boolean | null = count === 0 ? true : null;
    for (const setting of body.split(/^\s*Trust Setting \d+:/m).slice(1)) {
      const policy = setting.match(/Policy OID\s*:\s*(.+)/)?.[1]?.trim() ?? null;
      if (policy !== null && !/^SSL$/i.test(policy)) continue;
      const result = setting.match(/Result Type\s*:\s*(\S+)/)?.[1] ?? 'kSecTrustSettingsResultTrustRoot';
      if (/Deny/.test(result)) verdict = false;
      else if (/TrustRoot|TrustAsRoot/.test(result) && verdict !== false) verdict = true;
    }
    const key = name.trim();
    // The same name in several blocks (two domains, two certificates): a denial wins.
    trust.set(key, trust.get(key) === false ? false : (verdict ?? trust.get(key) ?? false));
  }
  return trust;
}

/** `security find-certificate -a -Z` output: each certificate's SHA-256 and its label. */
export function keychainCertificates(listing: string): { sha256: string; label: string | null }[] {
  return listing
    .split(/^(?=SHA-256 hash:)/m)
    .map((entry) => {
      const hash = entry.match(/^SHA-256 hash:\s*([0-9A-F]+)/i)?.[1];
      if (!hash) return null;
      const label = entry.match(/"labl"<blob>="([^"]*)"/)?.[1] ?? null;
      return { sha256: hash.toUpperCase().match(/../g)!.join(':'), label };
    })
    .filter((e): e is { sha256: string; label: string | null } => e !== null);
}
