// The UI's management routes: merge and delete an issue (a confirmation page, then a POST form),
// add and revoke DSN keys, add and delete alert rules. Same shape as the page routes: read the
// form (ui/manage-forms.ts) → CSRF check → one store call → redirect back (303).
import { randomBytes } from 'node:crypto';
import { NotFound, ValidationError } from '@flowrent/shared/errors';
import { csrfToken, formBody, isHttps, serializeCookie, verifyCsrf } from '@flowrent/shared/ui';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACTOR_COOKIE, ACTOR_COOKIE_MAX_AGE_SECONDS, actorOf, readActorName } from '../ui/actor.js';
import { html, type SafeHtml } from '../ui/html.js';
import { renderDeleteConfirm, renderMergeConfirm } from '../ui/issue-manage.js';
import { readAlertRule, readId, readKeyLabel, readMergeSource } from '../ui/manage-forms.js';
import type { HttpContext } from './context.js';
import type { UiRouteDeps } from './ui-routes.js';

type Send = (
  request: FastifyRequest,
  reply: FastifyReply,
  page: { title: string; body: SafeHtml },
  current: string,
) => FastifyReply;
type IssueParams = { Params: { id: string } };

const csrfInput = (request: FastifyRequest): SafeHtml =>
  html`<input type="hidden" name="_csrf" value="${csrfToken(request)}">`;

/** Merge and delete (confirmation page, then POST), DSN keys and alert rules. */
export function registerManageRoutes(ui: FastifyInstance, deps: UiRouteDeps, send: Send): void {
  const { store, clock } = deps;
  const issueOr404 = (id: string) => {
    const issue = store.getIssue(readId(id, 'issue'));
    if (!issue) throw new NotFound(`no issue ${id}`);
    return issue;
  };
  // Cached key lookups on the ingest path must forget a revoked key at once.
  const keysChanged = () => {
    if (deps.onKeysChanged) deps.onKeysChanged();
    else (ui as unknown as { errorTracker?: HttpContext }).errorTracker?.ingest.forgetCachedLookups();
  };
  const newKey = deps.newPublicKey ?? (() => randomBytes(16).toString('hex'));
  const projectOr404 = (id: string) => {
    const project = store.getProject(readId(id, 'project'));
    if (!project) throw new NotFound(`no project ${id}`);
    return project.id;
  };
  const backToSettings = (reply: FastifyReply, projectId: number, anchor: string) =>
    reply.redirect(`/settings?project=${projectId}#${anchor}`, 303);

  ui.get<IssueParams & { Querystring: { source?: string } }>('/issues/:id/merge', async (request, reply) => {
    const target = issueOr404(request.params.id);
    const sourceId = readMergeSource({ source: request.query.source }, target.id);
    const source = store.getIssue(sourceId);
    if (!source) throw new NotFound(`there is no issue #${sourceId}`);
    if (source.projectId !== target.projectId)
      throw new ValidationError(`issue #${sourceId} belongs to another project`);
    return send(request, reply, renderMergeConfirm(target, source, csrfInput(request), clock()), '/');
  });
  ui.post<IssueParams>('/issues/:id/merge', async (request, reply) => {
    verifyCsrf(request);
    const target = issueOr404(request.params.id);
    const sourceId = readMergeSource(formBody(request), target.id);
    const source = store.getIssue(sourceId);
    if (!source || source.projectId !== target.projectId)
      throw new ValidationError(`issue #${sourceId} cannot be merged into #${target.id}`);
    store.mergeIssues(target.id, [sourceId], actorOf(request.headers.cookie), clock());
    return reply.redirect(`/issues/${target.id}`, 303);
  });
  ui.get<IssueParams>('/issues/:id/delete', async (request, reply) =>
    send(
      request,
      reply,
      renderDeleteConfirm(issueOr404(request.params.id), csrfInput(request), clock()),
      '/',
    ),
  );
  ui.post<IssueParams>('/issues/:id/delete', async (request, reply) => {
    verifyCsrf(request);
    const issue = issueOr404(request.params.id);
    const actor = actorOf(request.headers.cookie);
    store.deleteIssue(issue.id, actor, clock());
    request.log.info({ issueId: issue.id, actor }, 'issue deleted');
    return reply.redirect('/', 303);
  });

  ui.post('/settings/actor', async (request, reply) => {
    verifyCsrf(request);
    const name = readActorName(formBody(request).name);
    // a blank name clears it: the browser's actions are "ui" again
    const cookie = serializeCookie(ACTOR_COOKIE, name, {
      maxAgeSeconds: name ? ACTOR_COOKIE_MAX_AGE_SECONDS : 0,
      secure: isHttps(request),
    });
    return reply.header('set-cookie', cookie).redirect('/settings#actor', 303);
  });
  ui.post<{ Params: { projectId: string } }>('/settings/:projectId/keys', async (request, reply) => {
    verifyCsrf(request);
    const projectId = projectOr404(request.params.projectId);
    store.addKey(projectId, newKey(), readKeyLabel(formBody(request)), clock());
    keysChanged();
    return backToSettings(reply, projectId, 'keys');
  });
  ui.post<{ Params: { projectId: string; keyId: string } }>(
    '/settings/:projectId/keys/:keyId/revoke',
    async (request, reply) => {
      verifyCsrf(request);
      const projectId = projectOr404(request.params.projectId);
      store.revokeKey(projectId, readId(request.params.keyId, 'key'), clock());
      keysChanged();
      return backToSettings(reply, projectId, 'keys');
    },
  );
  ui.post<{ Params: { projectId: string } }>('/settings/:projectId/alerts', async (request, reply) => {
    verifyCsrf(request);
    const projectId = projectOr404(request.params.projectId);
    store.createAlertRule(readAlertRule(formBody(request), projectId), clock());
    return backToSettings(reply, projectId, 'alerts');
  });
  ui.post<{ Params: { projectId: string; ruleId: string } }>(
    '/settings/:projectId/alerts/:ruleId/delete',
    async (request, reply) => {
      verifyCsrf(request);
      const projectId = projectOr404(request.params.projectId);
      store.deleteAlertRule(projectId, readId(request.params.ruleId, 'alert rule'));
      return backToSettings(reply, projectId, 'alerts');
    },
  );
}
