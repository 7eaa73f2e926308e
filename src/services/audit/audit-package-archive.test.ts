import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readTarGz, writeTarGz } from './audit-package-archive.js';

/** A tar.gz as a tar tool writes it when asked to pack `.`: directory entries and ./ prefixes. */
async function tarToolArchive(
  entries: { name: string; type?: 'file' | 'directory' | 'symlink'; body?: string }[],
) {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => tar.on('end', () => r()));
  for (const e of entries) {
    if (e.type === 'symlink') tar.entry({ name: e.name, type: 'symlink', linkname: '/etc/passwd' });
    else if (e.type === 'directory') tar.entry({ name: e.name, type: 'directory' });
    else tar.entry({ name: e.name }, e.body ?? '');
  }
  tar.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

describe('audit package archive', () => {
  it('round-trips files, byte for byte', async () => {
    const files = new Map([
      ['manifest.json', Buffer.from('{}')],
      ['attachments/01X-bin', Buffer.from([0, 255, 10, 13])],
    ]);
    expect(await readTarGz(await writeTarGz(files, new Date(0)))).toEqual(files);
  });

  it('reads a repacked archive: skips directories and a leading ./', async () => {
    const archive = await tarToolArchive([
      { name: './', type: 'directory' },
      { name: './manifest.json', body: '{}' },
      { name: './audit/', type: 'directory' },
      { name: './audit/chain.jsonl', body: 'x' },
    ]);
    const files = await readTarGz(archive);
    expect([...files.keys()]).toEqual(['manifest.json', 'audit/chain.jsonl']);
  });

  it('refuses links and duplicate names', async () => {
    await expect(
      readTarGz(await tarToolArchive([{ name: 'manifest.json', type: 'symlink' }])),
    ).rejects.toThrow("'manifest.json' is a symlink, not a file");
    await expect(readTarGz(await tarToolArchive([{ name: 'a.json' }, { name: './a.json' }]))).rejects.toThrow(
      "'a.json' appears twice in the archive",
    );
  });
});
