export * from "./columns";
export * from "./tenants";
export * from "./users";
export * from "./projects";
export * from "./posts";
export * from "./audit";
