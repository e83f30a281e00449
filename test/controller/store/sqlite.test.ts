import test from "ava";
import { openSqlite } from "./fixtures.ts";
import { storeSuite } from "./store-suite.ts";

storeSuite(test, "sqlite", openSqlite);
