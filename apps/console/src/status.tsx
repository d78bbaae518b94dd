// A status is shown by an icon and a word as well as a colour (colour alone fails colour-blind users).
const ICONS: Record<string, string> = {
  pending: '○', online: '●', active: '●', offline: '◌', more: '…', queued: '◔', running: '▶', waiting: '⏸', paused: '❚❚', succeeded: '✓', failed: '✕', skipped: '↷', cancelled: '⊘',
};

export const statusIcon = (status: string): string => ICONS[status] ?? '?';

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`}>
      <span aria-hidden="true">{statusIcon(status)}</span> {status}
    </span>
  );
}
