/** Ancestors, materialized paths and depths, derived from parent links alone. */

export interface TreeNode {
  readonly parentId: string | null;
}

export interface Placement {
  readonly ancestors: string[];
  readonly path: string;
  readonly depth: number;
}

/**
 * Resolves every page's ancestors by walking parent links. A parent that is not in the map (a page outside the
 * space, a folder, or one not visible) ends the walk but stays in the path, so subtree queries still work.
 * Cycles, which a half-finished move can show, are cut where they close.
 */
export class Hierarchy {
  readonly #nodes: Map<string, TreeNode>;
  readonly #memo = new Map<string, Placement>();

  constructor(nodes: Map<string, TreeNode>) {
    this.#nodes = nodes;
  }

  placement(pageId: string): Placement {
    const cached = this.#memo.get(pageId);
    if (cached) return cached;
    // Walk up iteratively: pages can be thousands of levels deep in pathological spaces.
    const chain: string[] = [];
    const seen = new Set<string>([pageId]);
    let current = this.#nodes.get(pageId)?.parentId ?? null;
    let base: Placement | undefined;
    while (current !== null && !seen.has(current)) {
      const memo = this.#memo.get(current);
      if (memo) {
        base = memo;
        break;
      }
      chain.push(current);
      seen.add(current);
      const node = this.#nodes.get(current);
      if (!node) break;
      current = node.parentId;
    }
    const prefix = base ? [...base.ancestors, pathTail(base.path)] : [];
    const ancestors = [...prefix, ...chain.reverse()];
    const placement: Placement = { ancestors, path: toPath([...ancestors, pageId]), depth: ancestors.length };
    this.#memo.set(pageId, placement);
    return placement;
  }
}

function pathTail(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function toPath(ids: readonly string[]): string {
  return `/${ids.join("/")}`;
}
