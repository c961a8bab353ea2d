/** The sale's picture: the shop has no product photos, so a tile in the sale's own colour. */
export function SaleTile(props: { id: number; name: string; large?: boolean }) {
  const hue = (props.id * 47 + 190) % 360;
  const initials = props.name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join("")
    .toUpperCase();
  return (
    <div class={`tile${props.large ? " tile-large" : ""}`} style={{ "--hue": String(hue) }}>
      <span class="tile-initials" aria-hidden="true">{initials}</span>
    </div>
  );
}
