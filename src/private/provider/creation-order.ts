import { IConstruct } from 'constructs';
import { push } from './multimap';

/**
 * Orders constructs that share a key (a user ARN, a project id) whichever is declared first: every
 * `then` construct depends on every `first` construct with the same key.
 */
export class CreationOrder {
  private readonly firsts = new Map<string, IConstruct[]>();
  private readonly thens = new Map<string, IConstruct[]>();

  public first(key: string, construct: IConstruct) {
    for (const later of this.thens.get(key) ?? []) {
      later.node.addDependency(construct);
    }
    push(this.firsts, key, construct);
  }

  public then(key: string, construct: IConstruct) {
    for (const earlier of this.firsts.get(key) ?? []) {
      construct.node.addDependency(earlier);
    }
    push(this.thens, key, construct);
  }
}
