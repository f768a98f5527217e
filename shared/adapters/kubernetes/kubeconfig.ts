/**
 * Reads the current context of a `KUBECONFIG` for local use against any cluster (kind, minikube,
 * a kubectl proxy). Supported: server, CA (inline or file), `insecure-skip-tls-verify`,
 * `tls-server-name`; credentials as a token, a token file, or a client certificate and key (inline
 * or files). Refused with a {@link KubeconfigError} that says so: exec credential plugins (such as
 * `aws eks get-token`: unset KUBECONFIG to let eks-pilot make the EKS token itself),
 * `auth-provider`, basic auth, impersonation and `proxy-url`.
 */
import { readFile } from 'node:fs/promises';
import { delimiter, dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { KubernetesEndpoint } from './client';
import { KubeconfigError } from '../../ports/kubernetes-errors';

/** The current context of a kubeconfig, ready to connect with. */
export interface KubeconfigTarget {
  /** The current context's name. */
  contextName: string;
  /** The file that set `current-context`. */
  file: string;
  endpoint: KubernetesEndpoint;
  /** The user's bearer token (`token`, or the content of `tokenFile`), when it has one. */
  token?: string;
}

type YamlMap = Record<string, unknown>;

interface Named {
  entry: YamlMap;
  /** The file the entry came from: relative paths in it are relative to this file's folder. */
  file: string;
}

const UNSUPPORTED_USER_FIELDS: Readonly<Record<string, string>> = {
  exec: 'an exec credential plugin, which eks-pilot does not run (for EKS, unset KUBECONFIG and eks-pilot makes the IAM token itself)',
  'auth-provider': 'an auth-provider plugin, which eks-pilot does not support',
  username: 'basic auth, which Kubernetes no longer supports',
  password: 'basic auth, which Kubernetes no longer supports',
  as: 'impersonation, which eks-pilot does not support',
  'as-groups': 'impersonation, which eks-pilot does not support',
};

/**
 * Loads the current context of the kubeconfig file(s) named by `kubeconfig` (the value of
 * `KUBECONFIG`: one path, or several joined by the path delimiter, merged as kubectl merges them:
 * the first file to set `current-context` or to define a named cluster, user or context wins).
 *
 * @throws KubeconfigError naming the file and what is wrong or unsupported.
 * @example
 * const target = await loadKubeconfig('/home/dev/.kube/config');
 * target.endpoint.server; // 'https://127.0.0.1:6443'
 */
export async function loadKubeconfig(kubeconfig: string): Promise<KubeconfigTarget> {
  const files = kubeconfig.split(delimiter).filter((file) => file !== '');
  if (files.length === 0) throw new KubeconfigError('KUBECONFIG is empty', { context: { kubeconfig } });

  let current: { name: string; file: string } | undefined;
  const clusters = new Map<string, Named>();
  const users = new Map<string, Named>();
  const contexts = new Map<string, Named>();
  for (const file of files) {
    const doc = await readDocument(file);
    const name = doc['current-context'];
    if (current === undefined && typeof name === 'string' && name !== '') current = { name, file };
    collect(doc, 'clusters', 'cluster', file, clusters);
    collect(doc, 'users', 'user', file, users);
    collect(doc, 'contexts', 'context', file, contexts);
  }
  if (current === undefined) {
    throw new KubeconfigError(`no current-context in KUBECONFIG=${kubeconfig}: run "kubectl config use-context <name>"`, {
      context: { kubeconfig },
    });
  }
  const context = contexts.get(current.name);
  if (context === undefined) {
    throw new KubeconfigError(`current-context "${current.name}" is not among the contexts of KUBECONFIG=${kubeconfig}`, {
      context: { kubeconfig, contextName: current.name },
    });
  }
  const clusterName = stringField(context.entry, 'cluster', `context "${current.name}"`);
  const cluster = clusters.get(clusterName);
  if (cluster === undefined) {
    throw new KubeconfigError(`context "${current.name}" names cluster "${clusterName}", which KUBECONFIG=${kubeconfig} does not define`, {
      context: { kubeconfig, contextName: current.name, clusterName },
    });
  }
  const userName = optionalString(context.entry, 'user', `context "${current.name}"`);
  const user = userName === undefined ? undefined : users.get(userName);
  if (userName !== undefined && user === undefined) {
    throw new KubeconfigError(`context "${current.name}" names user "${userName}", which KUBECONFIG=${kubeconfig} does not define`, {
      context: { kubeconfig, contextName: current.name, userName },
    });
  }

  const endpoint = await clusterEndpoint(current.name, clusterName, cluster);
  const target: KubeconfigTarget = { contextName: current.name, file: current.file, endpoint };
  if (user !== undefined && userName !== undefined) await applyUser(target, userName, user);
  return target;
}

async function readDocument(file: string): Promise<YamlMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new KubeconfigError(`cannot read kubeconfig ${file}`, { cause: error, context: { file } });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new KubeconfigError(`kubeconfig ${file} is not valid YAML`, { cause: error, context: { file } });
  }
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new KubeconfigError(`kubeconfig ${file} is not a YAML mapping`, { context: { file } });
  return doc;
}

function collect(doc: YamlMap, listKey: string, entryKey: string, file: string, into: Map<string, Named>): void {
  const list = doc[listKey];
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new KubeconfigError(`kubeconfig ${file}: "${listKey}" is not a list`, { context: { file } });
  for (const [index, item] of (list as unknown[]).entries()) {
    const name = isMap(item) ? item.name : undefined;
    const entry = isMap(item) ? item[entryKey] : undefined;
    if (typeof name !== 'string' || !isMap(entry)) {
      throw new KubeconfigError(`kubeconfig ${file}: ${listKey}[${index}] needs a name and a "${entryKey}" mapping`, { context: { file } });
    }
    if (!into.has(name)) into.set(name, { entry, file });
  }
}

async function clusterEndpoint(contextName: string, clusterName: string, cluster: Named): Promise<KubernetesEndpoint> {
  const where = `cluster "${clusterName}" in ${cluster.file}`;
  if (cluster.entry['proxy-url'] !== undefined) {
    throw new KubeconfigError(`${where} uses proxy-url, which eks-pilot does not support`, { context: { file: cluster.file, clusterName } });
  }
  const server = stringField(cluster.entry, 'server', where);
  try {
    new URL(server);
  } catch (error) {
    throw new KubeconfigError(`${where} has a server that is not a URL: ${server}`, { cause: error, context: { file: cluster.file, clusterName } });
  }
  const endpoint: KubernetesEndpoint = { cluster: contextName, server };
  const caData = await pem(cluster, 'certificate-authority-data', 'certificate-authority', where);
  if (caData !== undefined) endpoint.caData = caData;
  const tlsServerName = optionalString(cluster.entry, 'tls-server-name', where);
  if (tlsServerName !== undefined) endpoint.tlsServerName = tlsServerName;
  if (cluster.entry['insecure-skip-tls-verify'] === true) endpoint.insecureSkipTlsVerify = true;
  return endpoint;
}

async function applyUser(target: KubeconfigTarget, userName: string, user: Named): Promise<void> {
  const where = `user "${userName}" in ${user.file}`;
  for (const [field, what] of Object.entries(UNSUPPORTED_USER_FIELDS)) {
    if (user.entry[field] !== undefined) {
      throw new KubeconfigError(`${where} uses ${what}; use a token or a client certificate`, {
        context: { file: user.file, userName, field },
      });
    }
  }
  const token = optionalString(user.entry, 'token', where);
  const tokenFile = optionalString(user.entry, 'tokenFile', where);
  if (token !== undefined) target.token = token;
  else if (tokenFile !== undefined) target.token = (await readReferenced(user, tokenFile, where, 'tokenFile')).trim();

  const cert = await pem(user, 'client-certificate-data', 'client-certificate', where);
  const key = await pem(user, 'client-key-data', 'client-key', where);
  if ((cert === undefined) !== (key === undefined)) {
    throw new KubeconfigError(`${where} has a client certificate without its key, or a key without its certificate`, {
      context: { file: user.file, userName },
    });
  }
  if (cert !== undefined) target.endpoint.clientCertificateData = cert;
  if (key !== undefined) target.endpoint.clientKeyData = key;
}

/** PEM text from `<name>-data` (base64) or from the file `<name>` (relative to the kubeconfig). */
async function pem(named: Named, dataField: string, fileField: string, where: string): Promise<string | undefined> {
  const data = optionalString(named.entry, dataField, where);
  if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
  const file = optionalString(named.entry, fileField, where);
  if (file !== undefined) return readReferenced(named, file, where, fileField);
  return undefined;
}

async function readReferenced(named: Named, file: string, where: string, field: string): Promise<string> {
  const path = resolve(dirname(named.file), file);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new KubeconfigError(`${where}: cannot read ${field} ${path}`, { cause: error, context: { file: named.file, field, path } });
  }
}

function stringField(map: YamlMap, key: string, where: string): string {
  const value = optionalString(map, key, where);
  if (value === undefined) throw new KubeconfigError(`${where} has no "${key}"`, { context: { key } });
  return value;
}

function optionalString(map: YamlMap, key: string, where: string): string | undefined {
  const value = map[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new KubeconfigError(`${where}: "${key}" is not a string`, { context: { key } });
  return value;
}

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
