// Runs a command in a pod with the JavaScript Kubernetes client and closes the exec websocket, as
// a program that gives up on a command does. Reads the cluster from $KUBECONFIG, TLS checks on.
// usage: node exec-and-close.mjs NAMESPACE POD CONTAINER COMMAND...
// Prints "opened" once the exec runs, closes the websocket when a line arrives on stdin, then
// prints "closed" and exits.
import * as k8s from '@kubernetes/client-node';
import { Writable } from 'node:stream';

const [namespace, pod, container, ...command] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const cluster = kc.getCurrentCluster();
if (!cluster.server.startsWith('https://') || cluster.skipTLSVerify) {
  console.error(`expected a verified HTTPS cluster, got ${JSON.stringify(cluster)}`);
  process.exit(2);
}
const discard = () => new Writable({ write: (chunk, encoding, done) => done() });
try {
  const ws = await new k8s.Exec(kc).exec(
    namespace, pod, container, command, discard(), discard(), null, false);
  ws.on('close', () => {
    console.log('closed');
    process.exit(0);
  });
  console.log('opened');
  process.stdin.once('data', () => ws.close());
} catch (e) {
  console.error(`exec failed: ${e?.message ?? e}`);
  process.exit(1);
}
