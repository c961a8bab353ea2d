import { useState } from "preact/hooks";
import type { Drift } from "../../lib/domain/drift.ts";
import { adminApi } from "./api.ts";
import type { Notice } from "./NoticeRegion.tsx";

/**
 * Reset (asked to confirm first) and reconcile of the watched sale, and the drift the last one
 * found. `clear` forgets both when another sale is watched.
 */
export function useMaintenance(options: {
  selected: number | null;
  setBusy: (busy: boolean) => void;
  setNotice: (notice: Notice) => void;
  refresh: () => Promise<void>;
}) {
  const [drift, setDrift] = useState<Drift | null>(null);
  const [confirmReset, setConfirmReset] = useState(false);

  const act = async (kind: "reset" | "reconcile") => {
    const { selected } = options;
    if (selected === null) return;
    options.setBusy(true);
    setConfirmReset(false);
    try {
      const r = await adminApi<{ reset?: Drift; drift?: Drift }>(
        `/api/admin/sales/${selected}/${kind}`,
        "POST",
      );
      if (r.status === 200) {
        setDrift(r.body.reset ?? r.body.drift ?? null);
        options.setNotice({
          tone: "success",
          text: kind === "reset"
            ? `Sale #${selected} reset: orders cleared, stock refilled.`
            : `Sale #${selected} reconciled.`,
        });
        await options.refresh();
      } else {
        options.setNotice({
          tone: "danger",
          text: r.body.error?.message ?? `Failed (${r.status}).`,
        });
      }
    } catch {
      options.setNotice({ tone: "danger", text: "Could not reach the server." });
    } finally {
      options.setBusy(false);
    }
  };

  const clear = () => {
    setDrift(null);
    setConfirmReset(false);
  };

  return { drift, confirmReset, setConfirmReset, act, clear };
}
