import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/** This process: `host:pid:token`. The token tells a restarted process from its previous life with the same pid. */
export const PROCESS_OWNER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

interface Owner {
  readonly host: string;
  readonly pid: number;
  readonly token: string;
}

function parse(owner: string): Owner | undefined {
  const match = /^(.*):(\d+):([^:]+)$/.exec(owner);
  if (!match) return undefined;
  return { host: match[1] as string, pid: Number(match[2]), token: match[3] as string };
}

/**
 * Why the owner of a `running` operation cannot be running it any more, or `undefined` while it may be. A process on
 * this host is checked directly; one elsewhere only by its heartbeat.
 */
export function ownerGone(
  owner: string | null,
  silentMs: number,
  staleAfterMs: number,
  self: string = PROCESS_OWNER,
): string | undefined {
  const seconds = Math.round(silentMs / 1000);
  if (owner === null) {
    return silentMs > staleAfterMs ? `no update for ${seconds} s from the process that ran it` : undefined;
  }
  if (owner === self) return undefined;
  const them = parse(owner);
  const me = parse(self);
  if (them && me && them.host === me.host) {
    if (them.pid === me.pid) return `process ${owner} was restarted`;
    if (!alive(them.pid)) return `process ${owner} is gone`;
  }
  return silentMs > staleAfterMs ? `no heartbeat from process ${owner} for ${seconds} s` : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
