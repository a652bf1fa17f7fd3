export * from './project';
export * from './source';
export * from './toolchain';
export * from './team-member';
export * from './user-profile';
export * from './provider';
