/// <reference lib="dom" />
import { useState } from "preact/hooks";
import type { SaleData } from "./parts/api.ts";
import { LivePanel } from "./admin/LivePanel.tsx";
import { type Notice, NoticeRegion } from "./admin/NoticeRegion.tsx";
import { SaleForm } from "./admin/SaleForm.tsx";
import { SalesTable } from "./admin/SalesTable.tsx";
import { useMaintenance } from "./admin/use_maintenance.ts";
import { useSaleForm } from "./admin/use_sale_form.ts";
import { useSales } from "./admin/use_sales.ts";

export interface AdminConsoleProps {
  sales: SaleData[];
}

/** The sales console: the sales table, the form of a new or edited sale, the watched sale. */
export default function AdminConsole(props: AdminConsoleProps) {
  const [notice, setNotice] = useState<Notice | null>(null);
  // One change at a time: saving, resetting and reconciling share it.
  const [busy, setBusy] = useState(false);
  const live = useSales(props.sales);
  const maintenance = useMaintenance({
    selected: live.selected,
    setBusy,
    setNotice,
    refresh: live.refresh,
  });
  const select = (id: number) => {
    live.select(id);
    maintenance.clear();
  };
  const form = useSaleForm({
    sales: live.sales,
    setBusy,
    onSaved: async (sale, created) => {
      setNotice({
        tone: "success",
        text: created ? `Created sale #${sale.id}.` : `Saved sale #${sale.id}.`,
      });
      select(sale.id);
      await live.refresh();
    },
  });
  const openForm = (target: "new" | number) => {
    form.open(target);
    setNotice(null);
  };
  const current = live.sales.find((s) => s.id === live.selected);
  // The chart's seconds are the browser's, as the readings were filed by the browser's clock.
  const second = Math.floor(Date.now() / 1000);

  return (
    <div class="console">
      <div class="console-head">
        <h1>Sales console</h1>
        <button class="btn" type="button" onClick={() => openForm("new")}>New sale</button>
      </div>

      <NoticeRegion notice={notice} />

      {form.editing !== null && (
        <SaleForm
          editing={form.editing}
          values={form.values}
          errors={form.errors}
          busy={busy}
          set={form.set}
          onSubmit={form.save}
          onCancel={form.close}
        />
      )}

      <SalesTable
        sales={live.sales}
        selected={live.selected}
        now={live.now}
        history={live.history}
        second={second}
        onLive={select}
        onEdit={openForm}
      />

      {current && (
        <LivePanel
          sale={current}
          stats={live.stats}
          history={live.history}
          second={second}
          drift={maintenance.drift}
          confirmReset={maintenance.confirmReset}
          busy={busy}
          setConfirmReset={maintenance.setConfirmReset}
          act={maintenance.act}
        />
      )}
    </div>
  );
}
