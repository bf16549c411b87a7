#include <stdio.h>
int main(void) { puts("tsunagu " TSUNAGU_VERSION); return 0; }
