/** How many to buy, 1 to the sale's limit: a list up to 10 choices, a number field past that. */
export function QuantityField(
  props: { limit: number; value: number; disabled: boolean; onChange: (n: number) => void },
) {
  const { limit, value, disabled, onChange } = props;
  return (
    <div class="field field-qty">
      <label for="quantity">Quantity</label>
      {limit <= 10
        ? (
          <select
            id="quantity"
            name="quantity"
            value={String(value)}
            disabled={disabled}
            onChange={(e) => onChange(Number(e.currentTarget.value))}
          >
            {Array.from(
              { length: limit },
              (_, i) => (
                <option key={i} value={String(i + 1)} selected={i + 1 === value}>
                  {i + 1}
                </option>
              ),
            )}
          </select>
        )
        : (
          <input
            id="quantity"
            name="quantity"
            type="number"
            min={1}
            max={limit}
            value={String(value)}
            disabled={disabled}
            onInput={(e) => onChange(Number(e.currentTarget.value) || 1)}
          />
        )}
    </div>
  );
}
