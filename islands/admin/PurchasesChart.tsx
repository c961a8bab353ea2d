/** One bar per second with sales; a second without any draws nothing, not a line on the axis. */
export function PurchasesChart(props: { points: number[] }) {
  const w = 240, h = 56, top = 4, base = h - 2;
  const peak = Math.max(0, ...props.points);
  const step = w / props.points.length;
  return (
    <figure class="spark-figure">
      <svg
        class="spark"
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Purchases per second over the last minute"
      >
        <line x1="0" y1={base} x2={w} y2={base} class="spark-axis" />
        {props.points.map((n, i) => {
          if (n === 0) return null;
          const height = (n / peak) * (base - top);
          return (
            <rect
              key={i}
              class="spark-bar"
              x={(i * step + step * 0.15).toFixed(1)}
              y={(base - height).toFixed(1)}
              width={(step * 0.7).toFixed(1)}
              height={height.toFixed(1)}
            />
          );
        })}
      </svg>
      <figcaption class="hint">
        Purchases per second, last minute · {peak === 0 ? "none yet" : `peak ${peak}/s`}
      </figcaption>
    </figure>
  );
}
