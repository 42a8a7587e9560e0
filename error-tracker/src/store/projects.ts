// Projects and their DSN keys.
import type { Db } from '@flowrent/shared/db';
import { Conflict, NotFound } from '@flowrent/shared/errors';
import type { Project, ProjectKey } from '../model.js';
import { type KeyRow, type ProjectRow, toKey, toProject } from './rows.js';
import type { NewProject } from './store.js';

export function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'project'
  );
}

export function createProjects(db: Db) {
  const q = {
    list: db.prepare('SELECT * FROM projects ORDER BY id'),
    get: db.prepare('SELECT * FROM projects WHERE id = ?'),
    slugTaken: db.prepare('SELECT 1 FROM projects WHERE slug = ?').pluck(),
    insert: db.prepare(
      'INSERT INTO projects (name, slug, created_at, quota_per_minute, quota_per_hour) VALUES (?, ?, ?, ?, ?)',
    ),
    update: db.prepare('UPDATE projects SET name = ?, quota_per_minute = ?, quota_per_hour = ? WHERE id = ?'),
    keys: db.prepare('SELECT * FROM project_keys WHERE project_id = ? ORDER BY id'),
    key: db.prepare('SELECT * FROM project_keys WHERE id = ? AND project_id = ?'),
    insertKey: db.prepare(
      'INSERT INTO project_keys (project_id, public_key, label, created_at) VALUES (?, ?, ?, ?)',
    ),
    revokeKey: db.prepare('UPDATE project_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?'),
    activeKey: db.prepare(
      'SELECT * FROM project_keys WHERE public_key = ? AND project_id = ? AND revoked_at IS NULL',
    ),
  };

  const getProject = (id: number): Project | null => {
    const row = q.get.get(id) as ProjectRow | undefined;
    return row ? toProject(row) : null;
  };

  const addKey = (projectId: number, publicKey: string, label: string, nowMs: number): ProjectKey => {
    if (!getProject(projectId)) throw new NotFound(`project ${projectId} not found`);
    try {
      const info = q.insertKey.run(projectId, publicKey, label, nowMs);
      return toKey(q.key.get(Number(info.lastInsertRowid), projectId) as KeyRow);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new Conflict('key already exists');
      throw err;
    }
  };

  const createProjectTx = db.transaction((input: NewProject) => {
    let slug = slugify(input.slug ?? input.name);
    if (q.slugTaken.get(slug)) {
      if (input.slug) throw new Conflict(`slug ${slug} is taken`);
      let n = 2;
      while (q.slugTaken.get(`${slug}-${n}`)) n++;
      slug = `${slug}-${n}`;
    }
    const id = Number(
      q.insert.run(input.name, slug, input.nowMs, input.quotaPerMinute ?? 0, input.quotaPerHour ?? 0)
        .lastInsertRowid,
    );
    addKey(id, input.publicKey, 'default', input.nowMs);
    return getProject(id) as Project;
  });

  return {
    listProjects: (): Project[] => (q.list.all() as ProjectRow[]).map(toProject),
    getProject,
    createProject: (input: NewProject): Project => createProjectTx.immediate(input),
    updateProject(
      id: number,
      patch: Partial<Pick<Project, 'name' | 'quotaPerMinute' | 'quotaPerHour'>>,
    ): Project {
      const current = getProject(id);
      if (!current) throw new NotFound(`project ${id} not found`);
      q.update.run(
        patch.name ?? current.name,
        patch.quotaPerMinute ?? current.quotaPerMinute,
        patch.quotaPerHour ?? current.quotaPerHour,
        id,
      );
      return getProject(id) as Project;
    },
    listKeys: (projectId: number): ProjectKey[] => (q.keys.all(projectId) as KeyRow[]).map(toKey),
    addKey,
    revokeKey(projectId: number, keyId: number, nowMs: number): ProjectKey {
      const row = q.key.get(keyId, projectId) as KeyRow | undefined;
      if (!row) throw new NotFound(`key ${keyId} not found in project ${projectId}`);
      q.revokeKey.run(nowMs, keyId);
      return toKey(q.key.get(keyId, projectId) as KeyRow);
    },
    findActiveKey(projectId: number, publicKey: string): ProjectKey | null {
      const row = q.activeKey.get(publicKey, projectId) as KeyRow | undefined;
      return row ? toKey(row) : null;
    },
  };
}
