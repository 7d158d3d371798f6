import { program } from "./components/program";

export = program;
