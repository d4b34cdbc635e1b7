/**
 * The results app. It renders what the host posts to it (a run report) and nothing else: no
 * remote content, no eval. The results-panel issue grows this into the full panel.
 */
interface HostMessage {
  type: 'report';
  report: { title?: string };
}

function render(root: HTMLElement, msg: HostMessage | undefined): void {
  root.textContent = '';
  const h = document.createElement('h1');
  h.textContent = msg?.report.title ?? 'OPTIN results';
  const p = document.createElement('p');
  p.textContent = msg ? 'Report loaded.' : 'No run selected.';
  root.append(h, p);
}

const root = document.getElementById('app');
if (root) {
  render(root, undefined);
  window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
    if (e.data?.type === 'report') render(root, e.data);
  });
}
