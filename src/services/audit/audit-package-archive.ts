import { gunzipSync, gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';

/** Packages are read whole into memory; 2 GiB unpacked is far above any real one. */
const maxUnpackedBytes = 2 * 1024 ** 3;

/**
 * The audit package's container: a gzipped POSIX tar of named files, built and read in memory (a
 * package holds one CR's records and a stretch of the chain, megabytes at most).
 */
export async function writeTarGz(files: ReadonlyMap<string, Buffer>, mtime: Date): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  for (const [name, content] of files) {
    await new Promise<void>((resolve, reject) =>
      tar.entry({ name, size: content.length, mtime, mode: 0o644 }, content, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** Regular files by name; directories are skipped, anything else (links, devices) is refused. */
export async function readTarGz(archive: Buffer): Promise<Map<string, Buffer>> {
  // A bound on the unpacked size keeps a crafted archive (a gzip bomb) from exhausting memory.
  const tarBytes = gunzipSync(archive, { maxOutputLength: maxUnpackedBytes });
  const files = new Map<string, Buffer>();
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  reader.on('entry', (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (chunk) => parts.push(chunk as Buffer));
    stream.on('end', () => {
      // Repacked with a tar tool: directories and a leading ./ carry no content.
      const name = header.name.replace(/^(\.\/)+/, '');
      if (header.type === 'directory') {
        next();
        return;
      }
      if (header.type !== 'file') {
        reader.destroy(new Error(`'${header.name}' is a ${header.type}, not a file`));
        return;
      }
      if (files.has(name)) {
        reader.destroy(new Error(`'${name}' appears twice in the archive`));
        return;
      }
      files.set(name, Buffer.concat(parts));
      next();
    });
    stream.resume();
  });
  reader.end(tarBytes);
  await done;
  return files;
}
