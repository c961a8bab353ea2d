/** Resolves to the work's value, or to "TIMEOUT" once `ms` have passed; never leaves a timer. */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | "TIMEOUT"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"TIMEOUT">((resolve) => {
    timer = setTimeout(() => resolve("TIMEOUT"), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
