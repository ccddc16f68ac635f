import { type CreateSourceInput, isConfluenceApiError, useCreateConfluenceSource } from "@archon/confluence-react";
import { type FormEvent, useState } from "react";
import { ErrorNote } from "./error-note.js";

type AuthType = "basic" | "bearer";
type DeploymentChoice = "" | "cloud" | "datacenter";

interface FormState {
  sourceId: string;
  name: string;
  baseUrl: string;
  deployment: DeploymentChoice;
  spaceKey: string;
  auth: AuthType;
  email: string;
  apiToken: string;
  token: string;
}

const empty: FormState = {
  sourceId: "",
  name: "",
  baseUrl: "",
  deployment: "",
  spaceKey: "",
  auth: "basic",
  email: "",
  apiToken: "",
  token: "",
};

function toInput(form: FormState): CreateSourceInput {
  const optional = (value: string) => (value.trim() === "" ? undefined : value.trim());
  return {
    sourceId: optional(form.sourceId),
    name: optional(form.name),
    baseUrl: form.baseUrl.trim(),
    deployment: form.deployment === "" ? undefined : form.deployment,
    spaceKey: form.spaceKey.trim(),
    credentials:
      form.auth === "basic"
        ? { type: "basic", email: form.email.trim(), apiToken: form.apiToken }
        : { type: "bearer", token: form.token },
  };
}

/** Adds a source; the server checks the connection first and answers with field messages when input is wrong. */
export function AddSourceForm({ onCreated }: { onCreated: (sourceId: string) => void }) {
  const [form, setForm] = useState<FormState>(empty);
  const create = useCreateConfluenceSource({
    onSuccess: (source) => {
      setForm(empty);
      onCreated(source.sourceId);
    },
  });
  const error = create.error;
  const fieldError = (path: string) => (isConfluenceApiError(error) ? error.fieldMessage(path) : undefined);

  const field = (
    key: keyof FormState,
    label: string,
    options: { type?: string; placeholder?: string; path?: string } = {},
  ) => {
    const message = fieldError(options.path ?? key);
    return (
      <label className={message ? "field invalid" : "field"}>
        <span>{label}</span>
        <input
          name={key}
          type={options.type ?? "text"}
          value={form[key]}
          placeholder={options.placeholder}
          autoComplete="off"
          aria-invalid={message ? true : undefined}
          onChange={(event) => setForm({ ...form, [key]: event.target.value })}
        />
        {message ? <small className="field-error">{message}</small> : null}
      </label>
    );
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(toInput(form));
  };

  return (
    <form className="card add-source" onSubmit={submit} aria-label="Add a source">
      <h3>Add a source</h3>
      <div className="row">
        {field("baseUrl", "Confluence URL", { placeholder: "https://acme.atlassian.net" })}
        <label className={fieldError("deployment") ? "field invalid" : "field"}>
          <span>Deployment</span>
          <select
            name="deployment"
            value={form.deployment}
            onChange={(event) => setForm({ ...form, deployment: event.target.value as DeploymentChoice })}
          >
            <option value="">Auto (Cloud for *.atlassian.net)</option>
            <option value="cloud">Cloud</option>
            <option value="datacenter">Data Center / Server</option>
          </select>
          {fieldError("deployment") ? <small className="field-error">{fieldError("deployment")}</small> : null}
        </label>
      </div>
      <div className="row">
        {field("spaceKey", "Space key", { placeholder: "ENG" })}
        {field("sourceId", "Source id (optional)", { placeholder: "eng" })}
      </div>
      {field("name", "Display name (optional)")}
      <fieldset className="auth">
        <legend>Credentials</legend>
        <label className="radio">
          <input
            type="radio"
            name="auth"
            checked={form.auth === "basic"}
            onChange={() => setForm({ ...form, auth: "basic" })}
          />
          Email + API token (Cloud)
        </label>
        <label className="radio">
          <input
            type="radio"
            name="auth"
            checked={form.auth === "bearer"}
            onChange={() => setForm({ ...form, auth: "bearer" })}
          />
          Personal access token (Data Center)
        </label>
        {form.auth === "basic" ? (
          <div className="row">
            {field("email", "Email", { type: "email", path: "credentials.email" })}
            {field("apiToken", "API token", { type: "password", path: "credentials.apiToken" })}
          </div>
        ) : (
          field("token", "Token", { type: "password", path: "credentials.token" })
        )}
      </fieldset>
      <ErrorNote error={error} title="Could not add the source" />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? "Checking the connection…" : "Add source"}
      </button>
    </form>
  );
}
