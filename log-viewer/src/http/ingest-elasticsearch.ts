// The Elasticsearch endpoints shippers probe before or besides `_bulk` (Vector reads GET / for the
// version and GET /_cluster/health; Filebeat GET /, /_license and ILM/template setup; Logstash HEAD /
// and the X-Elastic-Product header). Answered harmlessly, as VictoriaLogs does.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const ELASTIC_VERSION = '8.11.0';

export function elasticInfo() {
  return {
    name: 'flowrent-log-viewer',
    cluster_name: 'flowrent',
    cluster_uuid: 'flowrent-log-viewer',
    version: {
      number: ELASTIC_VERSION,
      build_flavor: 'default',
      build_type: 'docker',
      lucene_version: '9.8.0',
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
  };
}

export const elasticProbes = {
  async info(_request: FastifyRequest, reply: FastifyReply) {
    reply.send(elasticInfo());
  },
  async license(_request: FastifyRequest, reply: FastifyReply) {
    reply.send({
      license: { uid: 'flowrent', type: 'basic', status: 'active', expiry_date_in_millis: 4_000_000_000_000 },
    });
  },
  async clusterHealth(_request: FastifyRequest, reply: FastifyReply) {
    reply.send({ cluster_name: 'flowrent', status: 'green', number_of_nodes: 1, number_of_data_nodes: 1 });
  },
  /** ILM policies, index templates, ingest pipelines, nodes, Logstash APIs: accepted, stored nowhere. */
  async harmless(_request: FastifyRequest, reply: FastifyReply) {
    reply.send({ acknowledged: true });
  },
};

/** True for `GET /` or `HEAD /` from a program rather than a browser (which asks for text/html). */
export function isElasticRootProbe(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0];
  if (path !== '/') return false;
  return !(request.headers.accept ?? '').includes('text/html');
}
