// share-box: a whole file-sharing app on the tabswarm library. Open it twice, share a file in
// one, paste its magnet link in the other.
import { createNode, type Transfer } from 'tabswarm';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const server =
  new URLSearchParams(location.search).get('server') ?? `${location.origin.replace(/^http/, 'ws')}/signal`;
const node = await createNode({ server });

/** One line per transfer: name, progress, peers; a magnet to pass on; a link to the file once done. */
function show(transfer: Transfer): void {
  const item = document.createElement('li');
  item.dataset['infoHash'] = transfer.infoHash;
  const text = document.createElement('span');
  const magnet = Object.assign(document.createElement('input'), { readOnly: true, size: 60 });
  magnet.className = 'magnet';
  item.append(text, ' ', magnet);
  $('transfers').append(item);
  const render = (): void => {
    const s = transfer.status();
    if (!s) return;
    text.textContent = `${s.name}: ${Math.floor(s.progress * 100)}% (${s.peers.length} peers) `;
    item.dataset['state'] = s.state;
    magnet.value = s.magnet;
  };
  transfer.on('progress', render).on('error', (err) => (text.textContent = `${err.code}: ${err.message}`));
  transfer.on('done', async () => {
    render();
    const save = Object.assign(document.createElement('a'), { textContent: ' save', className: 'save' });
    save.href = URL.createObjectURL(await transfer.blob());
    save.download = transfer.status()?.name ?? 'file';
    item.append(save);
  });
  render();
}

$<HTMLInputElement>('file').addEventListener('change', async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) show(await node.seed(file));
});
$('get').addEventListener('click', async () => {
  show(await node.download($<HTMLInputElement>('link').value.trim()));
});
