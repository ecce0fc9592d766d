// The outcome of the last action on a page: a polite status for what worked, an alert for
// what did not (screen readers announce both; the alert at once).
export function StatusMessages({ notice, error }: { notice?: string | null; error?: string | null }) {
  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
