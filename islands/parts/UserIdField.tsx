import { USER_ID_MAX_LENGTH } from "../../lib/domain/user_id.ts";

/** The shopper's User ID, as the buy form and the line's join form ask for it. */
export function UserIdField(props: { value: string; onInput: (value: string) => void }) {
  return (
    <div class="field">
      <label for="user-id">User ID</label>
      <input
        id="user-id"
        name="userId"
        autocomplete="username"
        required
        maxLength={USER_ID_MAX_LENGTH}
        placeholder="e.g. alice@example.com"
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </div>
  );
}
