// Reverse-mode differentiation over the graph: the backward pass of any
// definition, built from the ops' own gradient rules (ops.ts) and added to the
// same graph, so every lowering runs forward and backward passes alike.
import { topoOrder, type Node } from './ir';
import { addN, vjpOf } from './ops';

/**
 * Gradients of the scalar `loss` with respect to each of `wrt`, as nodes of
 * the loss's graph (a zero constant for a tensor the loss does not depend on).
 * Only nodes on a path from `wrt` to the loss are differentiated.
 */
export function gradients(loss: Node, wrt: readonly Node[]): Node[] {
  if (loss.shape.length !== 0) throw new Error(`gradients: the loss must be a scalar, not [${loss.shape}]`);
  const g = loss.graph;
  const order = topoOrder([loss]);
  // Which nodes depend on a `wrt` (only their gradients are needed).
  const live = new Set(wrt.map((w) => w.id));
  for (const n of order) if (n.inputs.some((i) => live.has(i.id))) live.add(n.id);

  const parts = new Map<number, Node[]>();
  const push = (n: Node, d: Node) => {
    const list = parts.get(n.id);
    if (list) list.push(d);
    else parts.set(n.id, [d]);
  };
  push(loss, g.scalar(1));
  const wanted = new Set(wrt.map((w) => w.id));
  const total = new Map<number, Node>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    const list = parts.get(n.id);
    if (!list || !live.has(n.id)) continue;
    const dy = addN(list);
    if (wanted.has(n.id)) total.set(n.id, dy);
    if (n.inputs.length === 0) continue;
    const rule = vjpOf(n.op);
    if (rule === 'zero') continue;
    if (!rule) throw new Error(`gradients: the op ${n.op} has no gradient rule (it lies between the loss and a parameter)`);
    const dx = rule(dy, n);
    n.inputs.forEach((x, j) => {
      const d = dx[j];
      if (!d || !live.has(x.id)) return;
      if (d.shape.length !== x.shape.length || d.shape.some((s, k) => s !== x.shape[k])) {
        throw new Error(`gradients: ${n.op}'s rule gave [${d.shape}] for an input of shape [${x.shape}]`);
      }
      push(x, d);
    });
  }
  return wrt.map((w) => total.get(w.id) ?? g.constant(new Array(w.shape.reduce((a, b) => a * b, 1)).fill(0), w.shape));
}
