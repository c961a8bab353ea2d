/**
 * CPU time of process groups, read from /proc (Linux), so a benchmark can say where each request's
 * CPU went: the server, Redis, PostgreSQL, the load generator.
 *
 * A process's figure is utime + stime + cutime + cstime: its own time and that of the children it
 * has waited for, so PostgreSQL backends that exit during a run still count in the postmaster.
 */

/** USER_HZ: the unit of the times in /proc/<pid>/stat; 100 on every Linux the kernel ships for. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** Seconds of CPU, children waited for included. */
  cpu: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null; // gone meanwhile
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const f = text.slice(close + 2).split(" ");
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(f[i]), 0);
  return { pid, ppid: Number(f[1]), comm, cpu: ticks / TICKS_PER_SECOND };
}

function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = readStat(Number(entry.name));
    if (stat) out.push(stat);
  }
  return out;
}

/** Which processes make up a group, decided anew at each reading. */
export type Group = (all: ProcStat[]) => ProcStat[];

/** A process and all its descendants (a server's supervisor and workers). */
export function tree(root: number): Group {
  return (all) => {
    const members = new Set([root]);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of all) {
        if (!members.has(p.pid) && members.has(p.ppid)) {
          members.add(p.pid);
          grew = true;
        }
      }
    }
    return all.filter((p) => members.has(p.pid));
  };
}

/** Every process of one program name (e.g. all `postgres` processes). */
export function named(comm: string): Group {
  return (all) => all.filter((p) => p.comm === comm);
}

/** CPU seconds of each group now. */
export function readCpu(groups: Record<string, Group>): Record<string, number> {
  const all = allProcesses();
  const out: Record<string, number> = {};
  for (const [name, members] of Object.entries(groups)) {
    out[name] = members(all).reduce((n, p) => n + p.cpu, 0);
  }
  return out;
}

/** The CPU of a process that has exited, as its parent shell reports it: `cutime + cstime`. */
export function childCpuOf(statLine: string): number {
  const f = statLine.slice(statLine.lastIndexOf(")") + 2).split(" ");
  return (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
}

/**
 * The whole machine's CPU seconds so far, busy (user, system, interrupts, steal) and in all, from
 * /proc/stat. Busy time includes what no process is charged with: the kernel's softirq work, where
 * loopback TCP delivers most packets, and every other process on the machine.
 */
export function machineCpu(): { busy: number; all: number } {
  const fields = Deno.readTextFileSync("/proc/stat").split("\n")[0]!.trim().split(/\s+/).slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy / TICKS_PER_SECOND, all: (busy + idle! + iowait!) / TICKS_PER_SECOND };
}
