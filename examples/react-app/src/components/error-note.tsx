import { isConfluenceApiError } from "@archon/confluence-react";

/** Shows what went wrong, with the server's code and field messages; nothing when there is no error. */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = isConfluenceApiError(error) ? error.code : undefined;
  const fields = isConfluenceApiError(error) ? error.fields : [];
  return (
    <div className="error-note" role="alert">
      <strong>{title ?? "Something went wrong"}</strong>
      {code ? <code className="error-code">{code}</code> : null}
      <p>{message}</p>
      {fields.length > 0 ? (
        <ul>
          {fields.map((field) => (
            <li key={field.path}>
              <code>{field.path}</code>: {field.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** A friendly placeholder for an empty list. */
export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="empty-state">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}
