import { Link } from '../router';
import { useLoad } from '../use-api';

export function TemplatesPage() {
  const templates = useLoad((api) => api.listTemplates(), [], 10_000);
  return (
    <section>
      <h1>Templates</h1>
      {templates.error && <p className="error" role="alert">{templates.error.message}</p>}
      <table className="table">
        <thead><tr><th>Name</th><th>Latest version</th><th>Description</th></tr></thead>
        <tbody>
          {templates.data?.items.map((t) => (
            <tr key={t.name}>
              <td><Link to={`/templates/${encodeURIComponent(t.name)}`}>{t.name}</Link></td>
              <td>v{t.latestVersion}</td>
              <td className="muted">{t.description ?? ''}</td>
            </tr>
          ))}
          {templates.data && templates.data.items.length === 0 && (
            <tr><td colSpan={3} className="muted">No templates yet: <code>PUT /v1/templates/&lt;name&gt;</code> stores one.</td></tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
